"""The model seam: one chat-model protocol, provider presets, token counting, and a local fault-injecting endpoint."""
