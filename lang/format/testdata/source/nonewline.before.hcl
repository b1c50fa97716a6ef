output "accuracy" {
  value = 1
}