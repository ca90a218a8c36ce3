// Who is signed in: the persona and its token (kept in localStorage so a reload keeps the session).
import { createContext, useContext } from "react";
import type { Clients } from "./api/client";
import type { ServiceUrls } from "./config";

export interface Persona {
  sub: string;
  name: string;
  nameZh: string;
  roles: string[];
  email?: string;
}

/** The development personas: one for every part of the journey the console covers. */
export const PERSONAS: Persona[] = [
  { sub: "alice", name: "Alice Wang", nameZh: "王丽", roles: ["applicant"], email: "alice@example.com" },
  { sub: "bob", name: "Bob Zhang", nameZh: "张伟", roles: ["approver", "applicant"], email: "bob@example.com" },
  { sub: "carol", name: "Carol Li", nameZh: "李娜", roles: ["approver"], email: "carol@example.com" },
  { sub: "dave", name: "Dave Liu", nameZh: "刘强", roles: ["agent"] },
  { sub: "erin", name: "Erin Chen", nameZh: "陈静", roles: ["supervisor", "monitor"] },
  { sub: "eve", name: "Eve Zhao", nameZh: "赵敏", roles: ["enterprise"], email: "eve@example.com" },
];

export interface Session {
  persona: Persona;
  token: string;
  expiresAt: number;
}

const KEY = "sealflow.session";

export function sessionFor(persona: Persona, token: string, expiresInSeconds: number): Session {
  return { persona, token, expiresAt: Date.now() + expiresInSeconds * 1000 };
}

export function loadSession(): Session | null {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null") as Session | null;
    return saved && saved.expiresAt > Date.now() ? saved : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

export interface AppContextValue {
  urls: ServiceUrls;
  api: Clients;
  session: Session | null;
  signIn: (session: Session) => void;
  signOut: () => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp outside AppContext");
  return value;
}

/** The signed-in session; screens behind sign-in use this. */
export function useSession(): Session {
  const { session } = useApp();
  if (!session) throw new Error("useSession while signed out");
  return session;
}

export function hasRole(session: Session | null, ...roles: string[]): boolean {
  return !!session && session.persona.roles.some((r) => roles.includes(r));
}

/** A session from a bearer token the organisation's identity provider issued (pasted on the sign-in
 *  screen). Its claims are read only to label the screens; the services verify the token itself. */
export function sessionFromToken(token: string): Session | null {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as {
      sub?: unknown;
      name?: unknown;
      roles?: unknown;
      exp?: unknown;
    };
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") return null;
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [];
    const name = typeof claims.name === "string" ? claims.name : claims.sub;
    return { persona: { sub: claims.sub, name, nameZh: name, roles }, token, expiresAt: claims.exp * 1000 };
  } catch {
    return null;
  }
}
