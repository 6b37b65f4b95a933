"""The failures formproc reports to users, each with its CLI exit code."""


class FormprocError(Exception):
    """A failure with a one-line message meant for the user."""

    exit_code = 2


class InputError(FormprocError):
    """The input (a file, a record, an argument) cannot be used."""


class StorageError(FormprocError):
    """The store or the file system refused an operation; nothing was changed."""


class ConflictError(StorageError):
    """Someone else saved the same record first (optimistic locking)."""
