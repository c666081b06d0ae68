"""Background work: resolution and billing after intake, off the acknowledgement path."""
