# Syntax: a block that is never closed.
experiment "b" {
  tags = { x = 1 }
