// Package server is mltf server: an HTTP server over the tracking store and
// the state store that the CLI uses. It serves
//
//   - /healthz, without a token;
//   - /api/v1, mltf's own REST API (experiments, runs with their metrics,
//     artifacts and logs, models with versions, aliases and gates,
//     datasets, sweeps, pipeline runs recorded in the tracking store),
//     described by the OpenAPI document at /api/openapi.json;
//   - /api/2.0/mlflow, the core of MLflow's REST API, and
//     /api/2.0/mlflow-artifacts, its artifact proxy (package
//     server/mlflow), so that MLflow clients log to mltf unchanged;
//   - the web UI (package server/ui) at /.
//
// Every /api request carries a token (Authorization: Bearer TOKEN) whose
// role allows it: readers read, writers log runs and register versions,
// admins move aliases. Tokens are stored hashed in the tracking store.
//
// The server never plans or applies on its own: an alias moved through
// the API is recorded in the alias history with the token that moved it,
// and the next mltf plan shows it as drift. It does not import cmd.
package server
