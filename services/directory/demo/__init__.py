"""Demo data of the directory: the data set (`data`) and its loader (`loader`)."""
