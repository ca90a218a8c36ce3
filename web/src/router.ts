// Hash routes (#/inbox, #/requests/<id>): a static server needs no fallback rule for them.
import { useEffect, useState } from "react";

export function useRoute(): string[] {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
}

export function go(path: string): void {
  window.location.hash = path.startsWith("/") ? path : `/${path}`;
}
