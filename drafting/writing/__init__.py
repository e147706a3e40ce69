"""The drafting pipeline: facts → outline planner → exemplars → section writer → guard → assembled draft."""
