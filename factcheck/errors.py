"""Domain errors shared by every surface (admin, API, commands)."""


class ReferencedError(Exception):
    """A delete refused because evidence still rests on the object.

    ``references`` lists what still points at it, in words an editor understands.
    """

    def __init__(self, obj, references: list[str]):
        self.obj = obj
        self.references = references
        shown = "; ".join(references[:10])
        more = f" and {len(references) - 10} more" if len(references) > 10 else ""
        super().__init__(
            f"Cannot delete {obj._meta.verbose_name} “{obj}”: still referenced by {shown}{more}."
        )

    @property
    def message(self) -> str:
        return str(self)
