import { must } from "../api/client";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { hasRole, useApp, useSession } from "../session";
import { Badge, Card } from "../ui";

interface Todo {
  pendingTasks: number | null;
  myOpenRequests: number | null;
  myTickets: number | null;
  myOverdue: number | null;
}

/** What the signed-in person has to do, with a way into each. */
export function Home() {
  const { t } = useI18n();
  const { api, urls } = useApp();
  const session = useSession();
  const approver = hasRole(session, "approver");
  const applicant = hasRole(session, "applicant", "approver");
  const agent = hasRole(session, "agent");
  const overseer = hasRole(session, "supervisor", "monitor", "admin");
  const enterprise = !!urls.orders && hasRole(session, "enterprise");

  const todo = useLoad<Todo>(
    async () => {
      const [tasks, requests, tickets] = await Promise.all([
        approver ? must(api.approval.GET("/v1/tasks", { params: { query: { status: "pending", limit: 100 } } })) : null,
        applicant
          ? must(api.approval.GET("/v1/approval-requests", { params: { query: { mine: true, status: "pending" } } }))
          : null,
        agent
          ? must(
              api.ticketing.GET("/v1/tickets", {
                params: { query: { assignee: session.persona.sub, status: "assigned" } },
              }),
            )
          : null,
      ]);
      return {
        pendingTasks: tasks ? tasks.items.length : null,
        myOpenRequests: requests ? requests.items.length : null,
        myTickets: tickets ? tickets.items.length : null,
        myOverdue: tickets ? tickets.items.filter((x) => x.overdue).length : null,
      };
    },
    [session.token],
    15_000,
  );
  const d = todo.data;

  return (
    <div>
      <h1>{t("todo")}</h1>
      <div className="tiles">
        {approver && (
          <a className="tile" href="#/inbox" data-testid="tile-inbox">
            <span>{t("inbox")}</span>
            <Badge count={d?.pendingTasks ?? 0} label={t("pendingTasks")} />
          </a>
        )}
        {applicant && (
          <>
            <a className="tile" href="#/requests">
              <span>{t("myRequests")}</span>
              <Badge count={d?.myOpenRequests ?? 0} />
            </a>
            <a className="tile" href="#/requests/new">
              <span>{t("newRequest")}</span>
            </a>
          </>
        )}
        {agent && (
          <a className="tile" href="#/pool" data-testid="tile-pool">
            <span>{t("myTickets")}</span>
            <Badge count={d?.myTickets ?? 0} />
            {(d?.myOverdue ?? 0) > 0 && <span className="badge badge-overdue">{t("overdue")} {d?.myOverdue}</span>}
          </a>
        )}
        {enterprise && (
          <>
            <a className="tile" href="#/catalogue">
              <span>{t("catalogue")}</span>
            </a>
            <a className="tile" href="#/orders">
              <span>{t("myOrders")}</span>
            </a>
            <a className="tile" href="#/enterprise">
              <span>{t("registerEnterprise")}</span>
            </a>
          </>
        )}
        {overseer && (
          <a className="tile" href="#/kpis">
            <span>{t("kpis")}</span>
          </a>
        )}
      </div>
      {d && !d.pendingTasks && !d.myTickets && !d.myOpenRequests && (
        <Card>
          <p className="muted">{t("nothingToDo")}</p>
        </Card>
      )}
    </div>
  );
}
