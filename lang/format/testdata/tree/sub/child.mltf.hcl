cluster "dev" {
provider=local
}
