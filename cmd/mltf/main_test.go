package main_test

import (
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

func TestMain(m *testing.M) { e2e.Main(m) }
