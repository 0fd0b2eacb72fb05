import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfigXml } from "../../../src/config/mod.ts";
import { placeholderLookup, resolvePlaceholders } from "../../../src/config/placeholders.ts";
import { assertConfigError, broker, load } from "./_helpers.ts";

Deno.test("placeholders: default syntax, nesting and recursion", () => {
  const values: Record<string, string> = { a: "A", ref: "${a}-x", which: "a" };
  const lookup = (name: string) => values[name];
  assert.equal(resolvePlaceholders("no placeholders", lookup), "no placeholders");
  assert.equal(resolvePlaceholders("${a}/${a}", lookup), "A/A");
  assert.equal(resolvePlaceholders("${missing:fallback}", lookup), "fallback");
  assert.equal(resolvePlaceholders("${missing:}", lookup), "");
  assert.equal(resolvePlaceholders("${a:unused}", lookup), "A");
  assert.equal(resolvePlaceholders("${ref}", lookup), "A-x");
  assert.equal(resolvePlaceholders("${${which}}", lookup), "A");
  assert.equal(resolvePlaceholders("${missing:${a}}", lookup), "A");
  assert.equal(resolvePlaceholders("tcp://h:${port:61616}?x=1", lookup), "tcp://h:61616?x=1");
  assert.equal(resolvePlaceholders("unterminated ${a", lookup), "unterminated ${a");
  assert.throws(() => resolvePlaceholders("${nope}", lookup), /Could not resolve placeholder 'nope'/);
  const loop: Record<string, string> = { x: "${y}", y: "${x}" };
  assert.throws(() => resolvePlaceholders("${x}", (n) => loop[n]), /Circular placeholder reference 'x'/);
});

Deno.test("placeholders: built-ins come before properties, properties before files, files before env", () => {
  const lookup = placeholderLookup({
    builtins: { "activemq.data": "/data" },
    properties: { "activemq.data": "ignored", p: "from-options", q: "from-options" },
    fileProperties: { q: "from-file", r: "from-file" },
    env: () => ({ p: "env", q: "env", r: "env", HOME: "/root" }),
  });
  assert.equal(lookup("activemq.data"), "/data");
  assert.equal(lookup("p"), "from-options");
  assert.equal(lookup("q"), "from-options");
  assert.equal(lookup("r"), "from-file");
  assert.equal(lookup("HOME"), "/root");
  assert.equal(lookup("env.HOME"), "/root");
  assert.equal(lookup("nothing"), undefined);
});

Deno.test("placeholders: activemq.* defaults derive from the config file's place", () => {
  const { config } = parseConfigXml(
    `<broker dataDirectory="\${activemq.data}" brokerName="\${activemq.base}|\${activemq.conf}|\${activemq.home}"/>`,
    {
      file: "/srv/amq/conf/activemq.xml",
      env: {},
    },
  );
  assert.equal(config.dataDirectory, "/srv/amq/data");
  assert.equal(config.brokerName, "/srv/amq|/srv/amq/conf|/srv/amq");
  assert.deepEqual(config.persistenceAdapter, {
    kind: "kahaDB",
    directory: "/srv/amq/data/kahadb",
    options: {},
  });

  const explicit = parseConfigXml(
    `<broker dataDirectory="\${activemq.data}" brokerName="\${activemq.conf}"/>`,
    {
      file: "/srv/amq/conf/activemq.xml",
      base: "/b",
      conf: "/c",
      env: {},
    },
  );
  assert.equal(explicit.config.dataDirectory, "/b/data");
  assert.equal(explicit.config.brokerName, "/c");
});

Deno.test("placeholders: options.properties, environment and defaults in attributes and text", () => {
  const { config } = load(
    [
      `<beans>`,
      `  <bean id="ds" class="org.apache.commons.dbcp2.BasicDataSource">`,
      `    <property name="url"><value>jdbc:mysql://\${env.DB_HOST}:\${DB_PORT:3306}/amq</value></property>`,
      `    <property name="password" value="\${db.password}"/>`,
      `  </bean>`,
      ...broker([
        `<persistenceAdapter><jdbcPersistenceAdapter dataSource="#ds"/></persistenceAdapter>`,
        `<transportConnectors><transportConnector name="s" uri="stomp://0.0.0.0:\${stomp.port}"/></transportConnectors>`,
      ], ` brokerName="\${BROKER_NAME:amq-1}"`),
      `</beans>`,
    ],
    { env: { DB_HOST: "db.local" }, properties: { "db.password": "secret", "stomp.port": "0" } },
  );
  assert.equal(config.brokerName, "amq-1");
  assert.equal(config.beans.ds.properties.url, "jdbc:mysql://db.local:3306/amq");
  assert.equal(config.beans.ds.properties.password, "secret");
  assert.equal(config.transportConnectors[0].uri.port, 0);
});

Deno.test("placeholders: an unresolvable one is an error naming the file, line, element and name", () => {
  const err = assertConfigError(
    () =>
      load([
        `<beans>`,
        ...broker([
          `<transportConnectors>`,
          `  <transportConnector name="s" uri="stomp://0.0.0.0:\${stomp.port}"/>`,
          `</transportConnectors>`,
        ]),
        `</beans>`,
      ]),
    4,
    /<transportConnector uri="stomp:\/\/0\.0\.0\.0:\$\{stomp\.port\}">: Could not resolve placeholder 'stomp\.port'/,
  );
  assert.match(err.message, /\$\{stomp\.port:value\}/);
  assert.equal(err.location?.element, "transportConnector");
});

Deno.test("placeholders: PropertyPlaceholderConfigurer files (list, missing file, relative path)", () => {
  const dir = Deno.makeTempDirSync({ prefix: "amq-config-" });
  try {
    Deno.writeTextFileSync(
      join(dir, "credentials.properties"),
      "activemq.username=system\nactivemq.password=manager\n",
    );
    Deno.writeTextFileSync(join(dir, "more.properties"), "activemq.username=admin\nbroker.name=fromfile\n");
    const { config, warnings } = load(
      [
        `<beans xmlns="http://www.springframework.org/schema/beans">`,
        `  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">`,
        `    <property name="locations">`,
        `      <list>`,
        `        <value>file:\${activemq.conf}/credentials.properties</value>`,
        `        <value>more.properties</value>`,
        `        <value>file:\${activemq.conf}/absent.properties</value>`,
        `      </list>`,
        `    </property>`,
        `  </bean>`,
        ...broker([], ` brokerName="\${broker.name}-\${activemq.username}-\${activemq.password}"`),
        `</beans>`,
      ],
      { conf: dir },
    );
    assert.equal(config.brokerName, "fromfile-admin-manager");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].location.line, 7);
    assert.match(
      warnings[0].message,
      /^conf\/activemq\.xml:7: <value> properties file .*absent\.properties does not exist/,
    );
    assert.deepEqual(config.beans, {}, "the configurer is consumed, not a broker bean");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("placeholders: options.properties win over properties files", () => {
  const dir = Deno.makeTempDirSync({ prefix: "amq-config-" });
  try {
    Deno.writeTextFileSync(join(dir, "p.properties"), "name=file\n");
    const { config } = load(
      [
        `<beans>`,
        `  <bean class="org.springframework.context.support.PropertySourcesPlaceholderConfigurer">`,
        `    <property name="location" value="file:${dir}/p.properties"/>`,
        `  </bean>`,
        ...broker([], ` brokerName="\${name}"`),
        `</beans>`,
      ],
      { properties: { name: "options" } },
    );
    assert.equal(config.brokerName, "options");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
