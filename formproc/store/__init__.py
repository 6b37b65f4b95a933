"""formproc's database (SQLAlchemy 2, Alembic migrations shipped in formproc/store/migrations).

    from formproc.store import Store
    store = Store()            # SQLite in FORMPROC_HOME, or FORMPROC_DATABASE_URL (e.g. PostgreSQL)
"""

from formproc.store.repository import CORRECTION_TYPES, Store, StoredCertificate
from formproc.store.tables import REASONS

__all__ = ["CORRECTION_TYPES", "REASONS", "Store", "StoredCertificate"]
