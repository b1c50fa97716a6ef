locals "x" { # ERROR: Extraneous label for locals
  a = 1
}
