"""Intake from every channel: the use case (`create`), what a process keeps between
requests (`memory`) and the group commit of concurrent intakes (`writer`)."""
