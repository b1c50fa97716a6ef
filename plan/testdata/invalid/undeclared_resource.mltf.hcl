output "x" {
  value = experiment.nope.id # ERROR: Reference to undeclared experiment
}
