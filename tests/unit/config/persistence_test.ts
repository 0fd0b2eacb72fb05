import assert from "node:assert/strict";
import { assertConfigError, broker, load } from "./_helpers.ts";

const DS = [`  <bean id="mysql-ds" class="org.apache.commons.dbcp2.BasicDataSource"/>`];

Deno.test("persistence: default is kahaDB under the data directory; persistent=false is memory", () => {
  assert.deepEqual(load(broker([])).config.persistenceAdapter, {
    kind: "kahaDB",
    directory: "/var/amq/kahadb",
    options: {},
  });
  assert.deepEqual(load(broker([], ` dataDirectory="/d"`)).config.persistenceAdapter, {
    kind: "kahaDB",
    directory: "/d/kahadb",
    options: {},
  });
  assert.deepEqual(load(broker([], ` persistent="false"`)).config.persistenceAdapter, { kind: "memory" });
});

Deno.test("persistence: kahaDB with options and a flattened locker", () => {
  const { config, warnings } = load(broker([
    `<persistenceAdapter>`,
    `  <kahaDB directory="\${activemq.data}/kahadb" journalMaxFileLength="32mb" concurrentStoreAndDispatchQueues="false">`,
    `    <locker><shared-file-locker lockAcquireSleepInterval="10000"/></locker>`,
    `  </kahaDB>`,
    `</persistenceAdapter>`,
  ]));
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.persistenceAdapter, {
    kind: "kahaDB",
    directory: "/var/amq/kahadb",
    options: {
      journalMaxFileLength: "32mb",
      concurrentStoreAndDispatchQueues: "false",
      locker: "shared-file-locker",
      "locker.lockAcquireSleepInterval": "10000",
    },
    location: { file: "conf/activemq.xml", line: 3, column: 3, element: "kahaDB" },
  });
  assertConfigError(
    () => load(broker([`<persistenceAdapter><kahaDB journalMaxFileLength="big"/></persistenceAdapter>`])),
    2,
    /<kahaDB journalMaxFileLength="big">: Invalid value for journalMaxFileLength/,
  );
});

Deno.test("persistence: jdbc with adapter, statements and locker children", () => {
  const { config } = load([
    `<beans>`,
    ...broker([
      `<persistenceAdapter>`,
      `  <jdbcPersistenceAdapter dataSource="#mysql-ds" createTablesOnStartup="true" lockKeepAlivePeriod="30000">`,
      `    <adapter><mysql-jdbc-adapter/></adapter>`,
      `    <statements><statements tablePrefix="AMQ_"/></statements>`,
      `    <locker><lease-database-locker lockAcquireSleepInterval="10000"/></locker>`,
      `  </jdbcPersistenceAdapter>`,
      `</persistenceAdapter>`,
    ]),
    ...DS,
    `</beans>`,
  ]);
  const adapter = config.persistenceAdapter;
  assert.equal(adapter.kind, "jdbc");
  if (adapter.kind !== "jdbc") return;
  assert.equal(adapter.dataSource, config.beans["mysql-ds"]);
  assert.deepEqual(adapter.options, {
    createTablesOnStartup: "true",
    lockKeepAlivePeriod: "30000",
    adapter: "mysql-jdbc-adapter",
    statements: "statements",
    "statements.tablePrefix": "AMQ_",
    locker: "lease-database-locker",
    "locker.lockAcquireSleepInterval": "10000",
  });
  assert.equal(adapter.location?.line, 4);
});

Deno.test("persistence: journaled JDBC from persistenceFactory", () => {
  const { config } = load([
    `<beans>`,
    ...broker([
      `<persistenceFactory>`,
      `  <journalPersistenceAdapterFactory dataSource="#mysql-ds" dataDirectory="activemq-data" journalLogFiles="2" journalLogFileSize="20 Mb"/>`,
      `</persistenceFactory>`,
    ]),
    ...DS,
    `</beans>`,
  ]);
  const adapter = config.persistenceAdapter;
  assert.equal(adapter.kind, "journaledJdbc");
  if (adapter.kind !== "journaledJdbc") return;
  assert.equal(adapter.dataSource?.className, "org.apache.commons.dbcp2.BasicDataSource");
  assert.deepEqual(adapter.options, {
    dataDirectory: "activemq-data",
    journalLogFiles: "2",
    journalLogFileSize: "20 Mb",
  });
});

Deno.test("persistence: memory adapter; unknown, unavailable and ambiguous stores are errors", () => {
  assert.deepEqual(
    load(broker([`<persistenceAdapter><memoryPersistenceAdapter/></persistenceAdapter>`])).config
      .persistenceAdapter,
    { kind: "memory" },
  );
  assertConfigError(
    () => load(broker([`<persistenceAdapter>`, `  <fileAdapter/>`, `</persistenceAdapter>`])),
    3,
    /<fileAdapter>: Unknown persistence adapter; accepted: <kahaDB>, <jdbcPersistenceAdapter>, <memoryPersistenceAdapter>/,
  );
  assertConfigError(
    () => load(broker([`<persistenceAdapter>`, `  <levelDB directory="x"/>`, `</persistenceAdapter>`])),
    3,
    /<levelDB>: LevelDB was removed in ActiveMQ 5\.17; accepted: <kahaDB>/,
  );
  assertConfigError(
    () => load(broker([`<persistenceAdapter/>`])),
    2,
    /<persistenceAdapter>: <persistenceAdapter> needs exactly one child; accepted: <kahaDB>/,
  );
  assertConfigError(
    () => load(broker([`<persistenceAdapter><kahaDB/><kahaDB/></persistenceAdapter>`])),
    2,
    /needs exactly one child/,
  );
  assertConfigError(
    () =>
      load(broker([
        `<persistenceAdapter><kahaDB/></persistenceAdapter>`,
        `<persistenceFactory><journalPersistenceAdapterFactory/></persistenceFactory>`,
      ])),
    3,
    /<persistenceFactory>: A broker has one store, but <persistenceAdapter> is also set at line 2/,
  );
});
