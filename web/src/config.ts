// Where the services are. The launcher serves /config.json beside the app (it knows the ports, which
// tests shift); without it the console assumes the documented ports on the host it came from.
export interface ServiceUrls {
  approval: string;
  ticketing: string;
  orders: string | null;
}

function defaults(): ServiceUrls {
  const host = `${window.location.protocol}//${window.location.hostname}`;
  return { approval: `${host}:8001`, ticketing: `${host}:8002`, orders: `${host}:8003` };
}

export async function loadConfig(): Promise<ServiceUrls> {
  try {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (response.ok) {
      return { ...defaults(), ...((await response.json()) as Partial<ServiceUrls>) };
    }
  } catch {
    // no launcher (vite dev server): the documented ports
  }
  return defaults();
}
