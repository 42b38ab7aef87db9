"""Platform operators: Dala's own staff, who look after every company from the operator console.

Operators are not users of any company: their table is platform-wide (no tenant,
no row-level security), they sign in at ``/operator/login`` with a session of
their own, and what they do to a company (suspending it, say) is recorded in that
company's rows (``operator_actions``, the audit log) under its tenant scope.
"""
