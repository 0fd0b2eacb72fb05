import assert from "node:assert/strict";
import type { BeanDefinition } from "../../../src/config/mod.ts";
import { assertConfigError, broker, load } from "./_helpers.ts";

const DATASOURCE = [
  `  <bean id="mysql-ds" class="org.apache.commons.dbcp2.BasicDataSource" destroy-method="close">`,
  `    <property name="driverClassName" value="org.mariadb.jdbc.Driver"/>`,
  `    <property name="url"><value>jdbc:mariadb://localhost/activemq</value></property>`,
  `    <property name="poolPreparedStatements" value="true"/>`,
  `    <property name="initSql" ref="settings"/>`,
  `    <property name="nested"><bean class="com.example.Inner"><property name="x" value="1"/></bean></property>`,
  `    <property name="hosts"><list><value>a</value><value>b</value></list></property>`,
  `  </bean>`,
  `  <bean id="settings" class="com.example.Settings" p:mode="fast"/>`,
];

Deno.test("beans: properties, nested beans, lists, refs (also forward) and #ref from the broker", () => {
  const { config, warnings } = load([
    `<beans xmlns:p="http://www.springframework.org/schema/p">`,
    ...broker([
      `<persistenceAdapter>`,
      `  <jdbcPersistenceAdapter dataSource="#mysql-ds" lockDataSource="#settings" createTablesOnStartup="false"/>`,
      `</persistenceAdapter>`,
    ]),
    ...DATASOURCE,
    `</beans>`,
  ]);
  assert.deepEqual(warnings, []);
  const ds = config.beans["mysql-ds"];
  assert.equal(ds.id, "mysql-ds");
  assert.equal(ds.className, "org.apache.commons.dbcp2.BasicDataSource");
  assert.equal(ds.location.line, 7);
  assert.equal(ds.properties.driverClassName, "org.mariadb.jdbc.Driver");
  assert.equal(ds.properties.url, "jdbc:mariadb://localhost/activemq");
  assert.equal(ds.properties.initSql, config.beans.settings, "ref links to the bean definition");
  assert.equal((ds.properties.nested as BeanDefinition).className, "com.example.Inner");
  assert.deepEqual((ds.properties.nested as BeanDefinition).properties, { x: "1" });
  assert.deepEqual(ds.properties.hosts, ["a", "b"]);
  assert.deepEqual(config.beans.settings.properties, { mode: "fast" });

  assert.equal(config.persistenceAdapter.kind, "jdbc");
  if (config.persistenceAdapter.kind !== "jdbc") return;
  assert.equal(config.persistenceAdapter.dataSource, ds);
  assert.deepEqual(config.persistenceAdapter.options, {
    lockDataSource: "#settings",
    createTablesOnStartup: "false",
  });
});

Deno.test("beans: an unknown #id names the ids that exist", () => {
  assertConfigError(
    () =>
      load([
        `<beans>`,
        ...broker([
          `<persistenceAdapter>`,
          `  <jdbcPersistenceAdapter dataSource="#mysql_ds"/>`,
          `</persistenceAdapter>`,
        ]),
        ...DATASOURCE,
        `</beans>`,
      ]),
    4,
    /<jdbcPersistenceAdapter dataSource="#mysql_ds">: No bean with id "mysql_ds"; did you mean mysql-ds\?; defined bean ids: mysql-ds, settings/,
  );
});

Deno.test("beans: a reference without # and a ref between beans to nowhere are errors", () => {
  assertConfigError(
    () =>
      load([
        `<beans>`,
        ...broker([
          `<persistenceAdapter>`,
          `  <jdbcPersistenceAdapter dataSource="mysql-ds"/>`,
          `</persistenceAdapter>`,
        ]),
        ...DATASOURCE,
        `</beans>`,
      ]),
    4,
    /dataSource must refer to a bean; accepted: #id/,
  );
  assertConfigError(
    () =>
      load([
        `<beans>`,
        `  <bean id="a" class="A">`,
        `    <property name="b" ref="missing"/>`,
        `  </bean>`,
        ...broker([]),
        `</beans>`,
      ]),
    3,
    /<property>: No bean with id "missing"; defined bean ids: a/,
  );
});

Deno.test("beans: duplicate ids and properties without a value are errors", () => {
  assertConfigError(
    () =>
      load([
        `<beans>`,
        `  <bean id="x" class="A"/>`,
        `  <bean id="x" class="B"/>`,
        ...broker([]),
        `</beans>`,
      ]),
    3,
    /Bean id "x" is already used by the bean at line 2/,
  );
  assertConfigError(
    () =>
      load([
        `<beans>`,
        `  <bean id="x" class="A">`,
        `    <property name="p"/>`,
        `  </bean>`,
        ...broker([]),
        `</beans>`,
      ]),
    3,
    /Property "p" needs exactly one value; accepted: a value or ref attribute/,
  );
});

Deno.test("beans: unused beans and unreadable bean content are warnings", () => {
  const { config, warnings } = load([
    `<beans>`,
    `  <bean id="unused" class="com.example.Unused">`,
    `    <constructor-arg value="1"/>`,
    `    <property name="m"><map/></property>`,
    `  </bean>`,
    `  <bean factory-bean="x"/>`,
    ...broker([]),
    `</beans>`,
  ]);
  assert.ok(config.beans.unused);
  assert.deepEqual(
    warnings.map((w) => [w.location.line, w.message]),
    [
      [
        2,
        `conf/activemq.xml:2: <bean> "unused" (com.example.Unused) is not used by the broker and is ignored`,
      ],
      [3, `conf/activemq.xml:3: <constructor-arg> is not supported yet and is ignored`],
      [
        4,
        `conf/activemq.xml:4: <map> is not supported yet and is ignored (property "m" of com.example.Unused is not set)`,
      ],
      [
        6,
        `conf/activemq.xml:6: <bean> is not supported yet and is ignored (a <bean> without a class attribute ` +
        `(parent or factory beans) cannot be read)`,
      ],
    ],
  );
});

Deno.test("beans: a bean referenced by its name alias, or through another bean, counts as used", () => {
  const { config, warnings } = load([
    `<beans>`,
    ...broker([`<persistenceAdapter><jdbcPersistenceAdapter dataSource="#pool"/></persistenceAdapter>`]),
    `  <bean name="pool,ds" class="Pool"><property name="config" ref="cfg"/></bean>`,
    `  <bean id="cfg" class="Config"/>`,
    `</beans>`,
  ]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(Object.keys(config.beans), ["cfg"], "only beans with an id are listed");
});
