package health

import (
	"errors"
	"fmt"

	"github.com/trustvault/trustvault/vault/token"
)

// TokenAdvice says what to do after a token error, or "" when there is
// nothing particular to say.
func Advice(err error) string {
	var ae *token.AuthError
	switch {
	case errors.As(err, &ae) && ae.What == "PUK" && ae.Blocked():
		return "the PIN and keys still work while the PIN does; only `ykman piv reset` (which erases the token's keys) brings the PUK back"
	case errors.As(err, &ae) && ae.Blocked():
		return "unblock it with the PUK: trustvault yubikey unblock --serial SERIAL (sets a new PIN)"
	case errors.As(err, &ae):
		return fmt.Sprintf("check the %s and try again", ae.What)
	case errors.Is(err, token.ErrNoService):
		return "start the smart card service: sudo systemctl start pcscd.socket (or run sudo pcscd); on Debian and Ubuntu install it with sudo apt-get install pcscd"
	case errors.Is(err, token.ErrTouchTimeout):
		return "touch the Yubikey when it blinks (it waits about 15 seconds), then try again"
	case errors.Is(err, token.ErrRemoved):
		return "plug the Yubikey back in and try again"
	case errors.Is(err, token.ErrInUse):
		return "close the program that holds it (gpg's scdaemon: gpgconf --kill scdaemon; ykman; a browser), then try again"
	case errors.Is(err, token.ErrNotSetUp):
		return "set the token up first: trustvault yubikey setup --serial SERIAL"
	case errors.Is(err, token.ErrNoManagementKey):
		return "give its management key in TRUSTVAULT_PIV_MANAGEMENT_KEY (48 hex digits)"
	case errors.Is(err, token.ErrNotFound):
		return "plug it in, or see trustvault devices for the tokens that are"
	case errors.Is(err, errors.ErrUnsupported):
		return "use a trustvault built with cgo (the release builds are)"
	}
	return ""
}
