experiment "a" {
  description = experiment.a.id # ERROR: Self-referential block
}
