output "x" {
  value = foo.bar # ERROR: Reference to unknown name
}
