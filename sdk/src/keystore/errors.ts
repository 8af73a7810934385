import { CohortError } from "../errors.js";

/** Base class of everything `decryptKeystore` rejects; `file` names the input when the caller knows it. */
export class KeystoreError extends CohortError {
  override name = "KeystoreError";
}

export class KeystoreNotJsonError extends KeystoreError {
  override name = "KeystoreNotJsonError";
  constructor() {
    super("KEYSTORE_NOT_JSON", "is not JSON: choose the keystore-m_….json file written by your deposit tool");
  }
}

export class NotAKeystoreError extends KeystoreError {
  override name = "NotAKeystoreError";
  constructor(detail: string) {
    super(
      "NOT_A_KEYSTORE",
      `is not an EIP-2335 keystore (${detail}): choose the keystore-m_….json file, not deposit data`,
    );
  }
}

export class UnsupportedKeystoreError extends KeystoreError {
  override name = "UnsupportedKeystoreError";
  constructor(detail: string) {
    super("UNSUPPORTED_KEYSTORE", `${detail}: only EIP-2335 version 4 keystores with scrypt or pbkdf2 are supported`);
  }
}

export class WrongPasswordError extends KeystoreError {
  override name = "WrongPasswordError";
  constructor() {
    super("WRONG_PASSWORD", "wrong password: the keystore's checksum does not match; check the password and try again");
  }
}

export class PubkeyMismatchError extends KeystoreError {
  override name = "PubkeyMismatchError";
  constructor() {
    super(
      "PUBKEY_MISMATCH",
      "its pubkey field does not match the secret key inside: the file was edited or damaged; use the original keystore",
    );
  }
}
