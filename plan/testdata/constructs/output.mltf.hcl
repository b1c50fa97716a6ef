# Outputs: value, attributes, duplicates.
output "missing" {}

output "extra" {
  value  = 1
  colour = "blue"
}

output "twice" { value = 1 }
output "twice" { value = 2 }
