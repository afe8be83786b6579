"""Demo inquiries: the data set, the plan drawn from it, the loader and the demo photos."""
