# Syntax: what the parser refuses.
experiment "a" {
  description = 
}
