package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"shencha/internal/signature"
)

const signUsage = `usage:
  shencha sign keygen --out FILE            make your own Ed25519 key (0600); prints the public key to register
  shencha sign --key FILE [PAYLOAD|-]       sign the canonical bytes the server handed out; prints the signature
  shencha sign verify --public-key KEY --signature SIG [PAYLOAD|-]
The private key never leaves your machine: the server keeps public keys only.`

// signCmd is the signer's side of reports and commitments. It runs offline.
func signCmd(args []string, in io.Reader, out io.Writer) error {
	if len(args) > 0 && args[0] == "keygen" {
		fs := flag.NewFlagSet("sign keygen", flag.ContinueOnError)
		path := fs.String("out", "", "private key file to create")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *path == "" {
			return errors.New(signUsage)
		}
		pub, err := signature.GenerateKeyFile(*path)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n", signature.FormatPublicKey(pub))
		return nil
	}
	if len(args) > 0 && args[0] == "verify" {
		fs := flag.NewFlagSet("sign verify", flag.ContinueOnError)
		pubText := fs.String("public-key", "", "ed25519:<base64>")
		sig := fs.String("signature", "", "base64 signature")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		pub, err := signature.ParsePublicKey(*pubText)
		if err != nil {
			return err
		}
		msg, err := readPayload(fs.Args(), in)
		if err != nil {
			return err
		}
		if err := signature.Verify(pub, msg, *sig); err != nil {
			return err
		}
		fmt.Fprintf(out, "signature OK (key %s)\n", signature.KeyID(pub))
		return nil
	}
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	keyPath := fs.String("key", "", "your private key file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyPath == "" {
		return errors.New(signUsage)
	}
	priv, err := signature.LoadKeyFile(*keyPath)
	if err != nil {
		return err
	}
	msg, err := readPayload(fs.Args(), in)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, signature.Sign(priv, msg))
	return nil
}

// readPayload reads the bytes to sign exactly as given: not a byte is
// trimmed, since the signature covers them all.
func readPayload(args []string, in io.Reader) ([]byte, error) {
	const max = 16 << 20
	var r io.Reader = in
	if len(args) > 0 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("payload larger than %d bytes", max)
	}
	return b, nil
}
