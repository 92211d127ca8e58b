"""Access: who may see what, and what leaves.

In: a signed-in user (from the users file) and the filters they asked for. Out: a ``Filters`` narrowed to
their scope (departments, minimum reporting group), masked text, and an audit line for every file that
leaves.

- ``users``: the users file (bcrypt hashes, roles, departments, policy).
- ``scope``: ``Filters`` (the question's filters) and ``Access`` (the reader's scope).
- ``suppress``: the minimum reporting group, in SQL.
- ``mask``: phone, ID, e-mail and bank-card numbers masked.
- ``audit``: the download audit log.
"""
