package plugin_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/providers/plugin"
)

// The test binary doubles as the plugin (and as a host process that
// starts plugins), chosen by its first argument.
const rolePrefix = "mltf-test-role="

// selfCmd is the command that runs this test binary in role.
func selfCmd(role string) []string { return []string{os.Args[0], rolePrefix + role} }

func TestMain(m *testing.M) {
	role := ""
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], rolePrefix) {
		role = strings.TrimPrefix(os.Args[1], rolePrefix)
	}
	switch role {
	case "plugin":
		plugin.Serve(newTestProvider())
		os.Exit(0)
	case "plugin-unary":
		plugin.ServeWithoutCalls(newTestProvider())
		os.Exit(0)
	case "plugin-no-refreshplan":
		plugin.ServeWithoutRefreshPlan(newTestProvider())
		os.Exit(0)
	case "plugin-v2":
		plugin.ServeVersion(newTestProvider(), 2)
		os.Exit(0)
	case "host", "host-handles-sigint":
		runHost(role == "host-handles-sigint")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runHost starts two plugins, prints their pids and waits to be killed.
func runHost(handle bool) {
	if handle {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt)
		go func() {
			<-ch
			plugin.CleanupClients()
			os.Exit(130)
		}()
	}
	for i := 0; i < 2; i++ {
		p, err := plugin.StartConfig(context.Background(), plugin.Config{Name: "test", Cmd: selfCmd("plugin")})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("pid", p.Pid())
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
}
