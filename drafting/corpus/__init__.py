"""Stage 0: the example reports — cleaning scraped pages, parsing sections, classifying, the report store."""
