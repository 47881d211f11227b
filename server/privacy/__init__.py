"""Data protection: retention, erasure by key destruction, subject access, processing record."""
