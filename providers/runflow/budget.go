package runflow

import "github.com/mltf/mltf/kinds/training"

// Restart causes, as the training contract names them: a rank killed,
// preempted, lost or hung counts against retry.infrastructure, a rank's
// non-zero exit against retry.user_error.
const (
	CauseInfrastructure = "infrastructure"
	CauseUserError      = "user_error"
)

// Budget is how many restarts of all ranks c allows for a cause.
func Budget(c *training.Config, cause string) int {
	if cause == CauseUserError {
		return c.RetryUser
	}
	return c.RetryInfra
}

// MayRestart says whether one more restart for cause fits the budget,
// given the restarts so far by cause.
func MayRestart(c *training.Config, restarts map[string]int, cause string) bool {
	return restarts[cause] < Budget(c, cause)
}
