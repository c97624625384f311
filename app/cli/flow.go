package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app/flow"
)

// runFlow is `latchkey flow run`: the flow tester from the command line,
// against Latchkey or any issuer, printing the trace (secrets masked).
func runFlow(args []string, env Env) error {
	if len(args) > 0 && args[0] == "ciba" { // `latchkey flow ciba --login-hint USER ...`
		args = append([]string{"run", "--flow", flow.FlowCIBA}, args[1:]...)
	}
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(env.Stderr, "Usage: latchkey flow run --issuer URL --client ID --flow FLOW [flags]\n"+
			"       latchkey flow ciba --issuer URL --client ID --secret-stdin --login-hint USER [--binding-message TEXT]")
		return errUsage
	}
	fs := newFlagSet("flow run", "Usage: latchkey flow run --issuer URL --client ID --flow FLOW [flags]\n\n"+
		"Runs one OAuth/OIDC flow step by step and prints every request, response and check.\n"+
		"The federation flow signs in at --external-issuer as --external-client, exchanges the ID token\n"+
		"at --issuer as --client (RFC 8693) and calls --api with the result.\n"+
		"Flows: "+strings.Join(flow.Flows(), ", "), env.Stderr)
	var o flow.Options
	fs.StringVar(&o.Issuer, "issuer", "http://127.0.0.1:8421", "issuer URL (its discovery document is read)")
	fs.StringVar(&o.ClientID, "client", "", "client id")
	secretStdin := fs.Bool("secret-stdin", false, "read the client secret from standard input")
	fs.StringVar(&o.Flow, "flow", "", "flow to run")
	fs.StringVar(&o.Scope, "scope", "", "scope to request")
	fs.StringVar(&o.Resource, "resource", "", "resource indicator (RFC 8707)")
	fs.StringVar(&o.Audience, "audience", "", "audience (token exchange)")
	fs.StringVar(&o.APIURL, "api", "", "API to call with the token (default: the demo API)")
	fs.StringVar(&o.ResponseMode, "response-mode", "", "code flow: jwt or query.jwt for a signed (JARM) authorization response")
	details := fs.String("authorization-details", "", "RFC 9396 authorization_details (a JSON array, or @FILE) for the code flow and client credentials; the trace compares what is granted")
	var admin common
	admin.register(fs)
	asAdmin := fs.Bool("admin", false, "read the client's registration from the data directory (--data, or the server running on it) to explain its sub (pairwise or public)")
	fs.BoolVar(&o.FromAPI, "from-api", false, "start from --api alone: issuer, resource and scopes from its RFC 9728 metadata")
	fs.StringVar(&o.Token, "token", "", "token to start from (introspect, revoke, call_api, token_exchange)")
	fs.StringVar(&o.RedirectURI, "redirect-uri", "", "loopback redirect URI (default http://127.0.0.1:<random>/callback)")
	fs.StringVar(&o.Prompt, "prompt", "", "OIDC prompt of the authorization request (login, consent, none)")
	fs.StringVar(&o.ACRValues, "acr-values", "", "acr_values of the authorization request, e.g. urn:latchkey:acr:mfa (a weaker acr is flagged)")
	fs.StringVar(&o.LoginHint, "login-hint", "", "ciba: the user asked to approve (a username at Latchkey)")
	fs.StringVar(&o.BindingMessage, "binding-message", "", "ciba: short text shown to the user with the request")
	fs.StringVar(&o.ExternalIssuer, "external-issuer", "", "federation: the external OpenID provider's issuer")
	fs.StringVar(&o.ExternalClientID, "external-client", "", "federation: the client id registered at the external provider (loopback redirect)")
	extSecretStdin := fs.Bool("external-secret-stdin", false, "federation: read the external client's secret from standard input (after the --secret-stdin line)")
	fs.StringVar(&o.ExternalScope, "external-scope", "", "federation: scope asked of the external provider (default openid)")
	noBrowser := fs.Bool("no-browser", false, "print the authorization URL instead of opening the browser")
	fs.BoolVar(&o.RevealSecrets, "reveal-secrets", false, "show secrets and tokens in full")
	asJSON := fs.Bool("json", false, "print the trace as JSON")
	curl := fs.Bool("curl", false, "print the steps as curl commands")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if o.ClientID == "" || o.Flow == "" {
		fs.Usage()
		return errUsage
	}
	if o.Flow == flow.FlowFederation && (o.ExternalIssuer == "" || o.ExternalClientID == "") {
		fmt.Fprintln(env.Stderr, "latchkey flow run: --flow federation needs --external-issuer and --external-client")
		return errUsage
	}
	if o.Flow == flow.FlowCIBA && o.LoginHint == "" {
		fmt.Fprintln(env.Stderr, "latchkey flow ciba: --login-hint names the user who approves")
		return errUsage
	}
	if *secretStdin || *extSecretStdin {
		in := bufio.NewReader(env.Stdin) // one reader: both secrets may come in one write
		if *secretStdin {
			s, err := readLine(in, "the client secret")
			if err != nil {
				return err
			}
			o.ClientSecret = s
		}
		if *extSecretStdin {
			s, err := readLine(in, "the external client's secret")
			if err != nil {
				return err
			}
			o.ExternalClientSecret = s
		}
	}
	if o.AuthorizationDetails, err = readDetails(*details); err != nil {
		return err
	}
	if *asAdmin {
		if o.Subject, err = clientSubject(&admin, o.ClientID); err != nil {
			return err
		}
	}
	o.Timeout = *timeout
	o.OnAuthURL = func(u string) {
		fmt.Fprintf(env.Stderr, "Open this URL to sign in:\n  %s\n", u)
	}
	if o.Flow == flow.FlowCIBA {
		o.OnAuthURL = func(u string) {
			fmt.Fprintf(env.Stderr, "Ask %s to approve the request on their account page:\n  %s\nPolling...\n", o.LoginHint, u)
		}
	}
	if !*noBrowser && o.Flow != flow.FlowCIBA { // the approver is elsewhere
		o.OpenBrowser = openBrowser
	}
	o.OnDeviceCode = func(dc flow.DeviceCode) {
		fmt.Fprintf(env.Stderr, "Enter the code %s at %s\n", dc.UserCode, dc.VerificationURI)
	}
	tr, err := flow.Run(context.Background(), o)
	if tr == nil {
		return err
	}
	switch {
	case *asJSON:
		b, jerr := tr.JSON()
		if jerr != nil {
			return jerr
		}
		fmt.Fprintln(env.Stdout, string(b))
	case *curl:
		fmt.Fprint(env.Stdout, tr.Curl())
	default:
		printTrace(env.Stdout, tr)
	}
	return err
}

// readLine reads one line of standard input holding what.
func readLine(in *bufio.Reader, what string) (string, error) {
	line, err := in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no line with %s on standard input", what)
	}
	return line, nil
}

func printTrace(w io.Writer, tr *flow.Trace) {
	fmt.Fprintf(w, "%s against %s (client %s)\n", tr.Flow, tr.Issuer, tr.ClientID)
	if tr.ExternalIssuer != "" {
		fmt.Fprintf(w, "external provider %s (client %s)\n", tr.ExternalIssuer, tr.ExternalClientID)
	}
	fmt.Fprintln(w)
	for i, s := range tr.Steps {
		fmt.Fprintf(w, "%d. %s", i+1, s.Name)
		if s.Request != nil {
			fmt.Fprintf(w, "  %s %s", s.Request.Method, s.Request.URL)
		}
		if s.Response != nil {
			fmt.Fprintf(w, "  -> %d", s.Response.Status)
		}
		fmt.Fprintln(w)
		for _, c := range s.Checks {
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "     [%s] %s %s\n", mark, c.Name, c.Detail)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "     - %s\n", n)
		}
	}
	fmt.Fprintln(w, "\nFindings:")
	for _, f := range tr.Findings {
		fmt.Fprintf(w, "  %-7s %s (%s)\n", f.Severity, f.Message, f.Spec)
	}
	if tr.Error != "" {
		fmt.Fprintf(w, "\nError: %s\n", tr.Error)
	}
}

// openBrowser opens u in the system browser.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return errors.New("could not open a browser; use --no-browser and open the URL yourself")
	}
	go cmd.Wait()
	return nil
}
