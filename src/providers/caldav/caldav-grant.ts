// What a CalDAV credential row seals: where the account is, who signs in, and the app password.

export interface CalDavGrant {
  /** The server, account or calendar URL the owner gave. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

/** The plaintext a CalDAV grant is sealed as: JSON `{"type":"caldav","url","username","password"}`. */
export function encodeCalDavGrant(grant: CalDavGrant): string {
  return JSON.stringify({
    type: "caldav",
    url: grant.url,
    username: grant.username,
    password: grant.password,
  });
}

/** The grant in an opened credential; throws (without quoting it) on anything else. */
export function decodeCalDavGrant(plaintext: string): CalDavGrant {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(plaintext) as Record<string, unknown>;
  } catch {
    throw new Error("sealed CalDAV grant is not JSON");
  }
  const { type, url, username, password } = data;
  if (
    type !== "caldav" ||
    typeof url !== "string" ||
    typeof username !== "string" ||
    typeof password !== "string"
  ) {
    throw new Error("sealed CalDAV grant lacks its url, username or password");
  }
  return { url, username, password };
}
