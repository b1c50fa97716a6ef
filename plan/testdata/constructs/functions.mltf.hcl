# Function calls.
experiment "unknown" {
  description = uppercase("x")
}

experiment "arguments" {
  description = upper(1, 2)
}

experiment "type" {
  description = length(42)
}

experiment "file" {
  description = file("no-such-file.txt")
}
