"""RemovableHandle: what ``register_*hook`` returns, so that a hook can be taken off again."""
import itertools

_next_id = itertools.count()


class RemovableHandle:
    """``handle.remove()`` deletes the hook from the dict it was registered in.

    Also a context manager: ``with t.register_hook(h): ...`` removes the hook on exit.
    """

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = next(_next_id)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, hook):
    """Insert ``hook`` at the end of the (ordered) dict ``hooks``; return its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle
