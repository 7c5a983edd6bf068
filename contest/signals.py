"""What the contest tells the apps above it, without importing them.

`phase_changed` is sent inside `contest_transition`'s transaction, after the phase and its log
are saved, with `contest`, `from_phase` and `to_phase`. A receiver's writes join that
transaction, and its exception rolls the whole move back (voting freezes the boards on closing
this way: voting/lifecycle.py).
"""
from django.dispatch import Signal

phase_changed = Signal()
