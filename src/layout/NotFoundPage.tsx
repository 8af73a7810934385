import { Link } from "react-router";
import { PageHeader } from "../ui/PageHeader";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p className="text-slate-600">
        There is no page at this address.{" "}
        <Link className="font-medium text-teal-700 underline" to="/stake">
          Go to Stake
        </Link>
        .
      </p>
    </>
  );
}
