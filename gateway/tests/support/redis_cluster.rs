//! A Redis Cluster of `redis-server` processes on free ports, made for one test and
//! stopped when dropped (never the shared Redis).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisCluster {
    ports: Vec<u16>,
    servers: Vec<Child>,
    dir: PathBuf,
}

impl RedisCluster {
    /// `nodes` masters without replicas, with every slot assigned; `None` when
    /// `redis-server` is not installed.
    pub fn start(nodes: usize) -> Option<Self> {
        let installed = Command::new("redis-server").arg("--version").stdout(Stdio::null()).status();
        if !installed.is_ok_and(|s| s.success()) {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("portico-redis-cluster-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let ports: Vec<u16> =
            (0..nodes).map(|_| TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()).collect();
        let servers = ports
            .iter()
            .map(|port| {
                Command::new("redis-server")
                    .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--cluster-enabled", "yes"])
                    .args(["--cluster-config-file", &format!("nodes-{port}.conf"), "--save", "", "--appendonly", "no"])
                    .arg("--dir")
                    .arg(&dir)
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let cluster = Self { ports, servers, dir };
        for port in &cluster.ports {
            cluster.wait_for(*port, "PING", "PONG");
        }
        let addresses: Vec<String> = cluster.ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(created.success(), "redis-cli --cluster create failed");
        for port in &cluster.ports {
            cluster.wait_for(*port, "CLUSTER INFO", "cluster_state:ok");
        }
        Some(cluster)
    }

    /// The seed-node list Portico takes as `PORTICO_REDIS_URL`.
    pub fn url(&self) -> String {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect::<Vec<_>>().join(",")
    }

    fn wait_for(&self, port: u16, command: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let output = Command::new("redis-cli").args(["-p", &port.to_string()]).args(command.split(' ')).output();
            if output.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(expected)) {
                return;
            }
            assert!(Instant::now() < deadline, "redis on {port} never answered {command} with {expected}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
