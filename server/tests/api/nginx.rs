//! Debian's nginx, started by a test on a loopback port in front of one
//! BookMate or several, forwarding the client as a deployment would; stopped
//! when dropped. `cargo xtask test` installs it.

use std::{process::Command, time::Duration};

pub struct Nginx {
    child: std::process::Child,
    pub address: String,
    directory: tempfile::TempDir,
}

impl Nginx {
    /// A reverse proxy in front of one server.
    pub async fn start(upstream: &str) -> Self {
        Self::balancing(free_port(), &[upstream.trim_start_matches("http://")]).await
    }

    /// A load balancer on `port` spreading requests round robin over
    /// `upstreams` (`127.0.0.1:4000`), each request on a connection of its
    /// own; the log says which upstream answered each.
    #[allow(clippy::zombie_processes, reason = "`Drop` kills and waits for it")]
    pub async fn balancing(port: u16, upstreams: &[&str]) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let dir = directory.path().display();
        let servers: String = upstreams.iter().map(|upstream| format!("server {upstream}; ")).collect();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  log_format upstreams '$request_method $uri $upstream_addr $status';\n\
               access_log {dir}/access.log upstreams;\n\
               client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
               fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
               upstream bookmate {{ {servers}}}\n\
               server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://bookmate;\n\
                   proxy_set_header Host $http_host;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }}\n  }}\n}}\n"
        );
        let config_path = directory.path().join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .unwrap_or("nginx");
        let child = Command::new(nginx)
            .args(["-e", &format!("{dir}/error.log"), "-p", &dir.to_string(), "-c"])
            .arg(&config_path)
            .spawn()
            .expect("nginx runs (`cargo xtask test` installs Debian's nginx-light)");
        let address = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { child, address, directory };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nginx did not listen: {}",
            std::fs::read_to_string(directory.path().join("error.log")).unwrap_or_default()
        );
    }

    /// The upstream that answered each request so far for `method path`.
    pub fn upstreams_of(&self, method: &str, path: &str) -> Vec<String> {
        let log = std::fs::read_to_string(self.directory.path().join("access.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let matches = fields.next() == Some(method) && fields.next() == Some(path);
                matches.then(|| fields.next().unwrap_or_default().to_owned())
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
