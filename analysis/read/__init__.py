"""Reading: files and uploads become text and metadata.

In: bytes with a file name (a corpus folder, a .zip, an upload) and metadata hints (manifest, path,
headings). Out: decoded text, its Simplified form and template placeholders, and the metadata fields of
``analysis.schema.META_FIELDS``, or an ``IngestError`` whose Chinese message names the reason.

- ``ingest``: encodings, .txt/.md/.docx/.pdf, zip archives with their limits, metadata from manifest,
  path and headings, and walking a corpus folder.
- ``normalize``: Traditional → Simplified (OpenCC) and template placeholders (20xx, xxx万元).
"""
