"""Child-process side of PDF reading: pypdf extracts each page's text and the result goes out as JSON.

Run by pdf.py as `python -I pdf_worker.py FILE MAX_PAGES` inside sandbox limits, so it imports
nothing from this project. Every failure becomes {"error": kind} for the parent to explain.
"""

import json
import sys


def extract(path: str, max_pages: int) -> dict[str, object]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                return {"error": "password"}
        except (DependencyError, NotImplementedError):
            return {"error": "cipher"}
    declared = reader.root_object["/Pages"].get_object().get("/Count")
    if isinstance(declared, int) and declared > max_pages:
        return {"error": "pages", "count": declared}
    count = len(reader.pages)
    if count > max_pages:
        return {"error": "pages", "count": count}
    pages = [page.extract_text() or "" for page in reader.pages]
    found = [_drawn(page, set()) for page in reader.pages]
    return {
        "pages": pages,
        "image_pages": sum(1 for images, _ in found if images),
        "looped_pages": sum(1 for _, looped in found if looped),
    }


def _drawn(holder: object, seen: set[int]) -> tuple[bool, bool]:
    """(draws an image, has a form that draws itself): only /Subtype /Image counts as a scan's page, and a
    form XObject reached again through its own resources is a loop, not a picture."""
    resources = holder.get("/Resources")  # type: ignore[attr-defined]
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    images = looped = False
    for reference in (xobjects.get_object() if xobjects is not None else {}).values():
        number = getattr(reference, "idnum", None)
        if number is not None and number in seen:
            looped = True
            continue
        drawn = reference.get_object()
        if drawn.get("/Subtype") == "/Image":
            images = True
        elif drawn.get("/Subtype") == "/Form":
            inner_images, inner_loop = _drawn(drawn, seen | ({number} if number is not None else set()))
            images, looped = images or inner_images, looped or inner_loop
    return images, looped


def _out_of_memory(exc: BaseException) -> bool:
    """MemoryError, or a library that could not be mapped because the address-space limit was reached."""
    message = str(exc)
    return (
        isinstance(exc, MemoryError)
        or "failed to map segment" in message
        or "Cannot allocate memory" in message
    )


def main() -> None:
    try:
        result = extract(sys.argv[1], int(sys.argv[2]))
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        result = {"error": "memory" if _out_of_memory(exc) else "corrupt", "detail": repr(exc)[:500]}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
