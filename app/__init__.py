"""The app's pages, one module per `st.Page`; app.py is the frame that signs in and chooses among them.

Pages only adapt the services (DraftingService, OfficeService) and value types: tests/test_app_layers.py
fails when one imports storage, accounts, evaluation or retrieval internals.
"""
