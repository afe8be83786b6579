"""Demo data of the campaigns service (`govhub demo`, `make run`)."""
