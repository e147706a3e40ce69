"""What a source file imports, read from its syntax tree: shared by the layering tests."""

import ast


def imported_modules(source: str) -> list[str]:
    """The absolute modules `source` imports, at any depth (lazy imports inside functions too)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names
