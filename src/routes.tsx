import { lazy } from "react";
import { createBrowserRouter, Navigate } from "react-router";
import { Layout } from "./layout/Layout";
import { NotFoundPage } from "./layout/NotFoundPage";

// Each page is its own chunk so the first paint only needs the shell and the wallet code.
const StakePage = lazy(() => import("./stake/StakePage"));
const MyValidatorsPage = lazy(() => import("./validators/MyValidatorsPage"));
const OperatorsPage = lazy(() => import("./operators/OperatorsPage"));
const OperatorDetailPage = lazy(() => import("./operators/OperatorDetailPage"));
const PoolPage = lazy(() => import("./pool/PoolPage"));
const InitiatorPage = lazy(() => import("./pool/InitiatorPage"));
const OperatorAccountPage = lazy(() => import("./operator-account/OperatorAccountPage"));

export const NAV = [
  { to: "/stake", label: "Stake" },
  { to: "/validators", label: "My validators" },
  { to: "/operators", label: "Operators" },
  { to: "/pool", label: "Pool" },
  { to: "/initiator", label: "Initiator" },
  { to: "/operator-account", label: "Operator account" },
] as const;

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { index: true, element: <Navigate to="/stake" replace /> },
      { path: "stake", element: <StakePage /> },
      { path: "validators", element: <MyValidatorsPage /> },
      { path: "operators", element: <OperatorsPage /> },
      { path: "operators/:id", element: <OperatorDetailPage /> },
      { path: "pool", element: <PoolPage /> },
      { path: "initiator", element: <InitiatorPage /> },
      { path: "operator-account", element: <OperatorAccountPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
