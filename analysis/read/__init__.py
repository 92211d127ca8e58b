"""Reading: files and uploads become text and metadata.

In: bytes with a file name (a corpus folder, a .zip, an upload) and metadata hints (manifest, path,
headings). Out: decoded text, its Simplified form and template placeholders, and the metadata fields of
``analysis.schema.META_FIELDS``, or an ``IngestError`` whose Chinese message names the reason.

- ``decode``: encodings, .txt/.md/.docx/.pdf, and the size, inflation and character limits.
- ``metadata``: manifest, path and headings; the one cleaning of names and metadata values.
- ``ingest``: walking a corpus folder and zip archives, file by file.
- ``normalize``: Traditional → Simplified (OpenCC) and template placeholders (20xx, xxx万元).
"""
