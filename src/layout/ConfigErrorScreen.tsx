export function ConfigErrorScreen({ message }: { message: string }) {
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-xl font-semibold">Cohort is misconfigured</h1>
      <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 p-4 text-red-800">
        {message}
      </p>
    </main>
  );
}
