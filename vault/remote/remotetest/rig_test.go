package remotetest

import "testing"

func TestSmoke(t *testing.T) {
	rig := Start(t, Options{})
	n := rig.NewNotary(t)
	n.Init("registry.test/team/app")
	tg := n.AddTag("registry.test/team/app", "v1", []byte("hello"), "")
	t.Log(tg)
	t.Log(n.Run("list", "registry.test/team/app"))
}
