// Envelope v1, made with Web Crypto: a fresh AES-256-GCM key per entry, wrapped with the
// server's RSA-OAEP (SHA-256) public key. The plaintext and the AES key never leave this
// function: only the envelope is returned.
const ALG = "RSA-OAEP-256+A256GCM";

function b64urlEncode(bytes) {
  let binary = "";
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, view.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64urlDecode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function newEntryId() {
  return crypto.randomUUID();
}

export async function sealEntry(plaintext, sealingKey, entryId) {
  const id = entryId || newEntryId();
  const publicKey = await crypto.subtle.importKey(
    "spki", b64urlDecode(sealingKey.spki), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]
  );
  const contentKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aad = new TextEncoder().encode(`alongside/v1|${id}|${sealingKey.kid}`);
  const data = new TextEncoder().encode(JSON.stringify(plaintext));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength: 128 }, contentKey, data);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", contentKey));
  const wrapped = await crypto.subtle.encrypt({ name: "RSA-OAEP" }, publicKey, raw);
  raw.fill(0);
  data.fill(0);
  return {
    v: 1,
    id,
    kid: sealingKey.kid,
    alg: ALG,
    wrapped_key: b64urlEncode(wrapped),
    iv: b64urlEncode(iv),
    ciphertext: b64urlEncode(ciphertext),
  };
}
