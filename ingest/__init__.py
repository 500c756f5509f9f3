"""Turn plan files into `ParsedPlan`s. Pure: no index I/O."""
