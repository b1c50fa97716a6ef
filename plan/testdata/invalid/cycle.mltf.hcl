experiment "a" { # ERROR: Dependency cycle
  description = experiment.b.id
}
experiment "b" { # ERROR: Dependency cycle
  description = experiment.a.id
}
